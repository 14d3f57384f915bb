"""A test-only app: hooks the Celery worker started by CI needs, kept out of production code.

Installed by config/settings/test.py only when OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY is set.
"""
