"""What each ``kit`` subcommand does. ``kit.cli`` parses the command line without importing these modules
(they load torch), and imports the one module a command needs only when that command runs."""
