import pytest

# The reusable store contract suite lives outside a test_*.py file: keep pytest's assert messages.
pytest.register_assert_rewrite("tests.ledger.store_contract")
