import pytest

from companion.core.clock import clock


@pytest.fixture
def frozen(ctx):
    """The clock stands still at now, inside an app context."""
    clock.freeze(clock.now())
    return clock
