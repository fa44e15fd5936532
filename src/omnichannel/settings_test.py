"""Settings for the test suite: the real settings, with jobs run inline and no API throttle.

Tests that exercise throttling set OMNI_API_RATE_PER_MINUTE themselves.
"""

import os

os.environ.setdefault("HUEY_IMMEDIATE", "1")
os.environ.setdefault("OMNI_API_RATE_PER_MINUTE", "0")

from omnichannel.settings import *  # noqa: E402, F403
