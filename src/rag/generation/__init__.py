"""Answer generation: LLM providers behind retries and circuit breakers, with the offline answer as fallback.

The service calls :class:`src.rag.generation.router.GenerationRouter`; the offline composer lives in
``offline.py``.
"""
