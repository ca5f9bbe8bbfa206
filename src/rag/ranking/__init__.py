"""The learned ranker: question signals, per-field features, the trained model and the ranking it gives."""
