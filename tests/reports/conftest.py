from tests.conversations.conftest import create_conversation  # noqa: F401  (the same fixture here)
