"""One module per `lift dynamorm` command; loaded lazily by liftcli.cli.DYNAMORM_COMMANDS."""
