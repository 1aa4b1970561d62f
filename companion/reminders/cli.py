from companion.core.cli import companion_cli  # noqa
