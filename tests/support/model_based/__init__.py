"""The model-based test's parts (tests/test_model_based.py): its fixture, REDCap's texts, the model and the
strategies its rules draw."""
