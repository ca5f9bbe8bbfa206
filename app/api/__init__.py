"""HTTP API, OpenAI-compatible endpoint and MCP server over the same `Assistant`."""
