"""The `credence` command line: thin commands over the same services the API uses.

The command line speaks the language of its environment: CREDENCE_LANG, then LANGUAGE, LC_ALL, LC_MESSAGES
and LANG (C, POSIX or none: English). It is set here, when the package is first imported and so before any
command module makes its help texts (Typer reads them as the modules are imported), and again for each
invocation (`credence.cli.main.main`) from the environment it runs in."""

import os

from credence import i18n

i18n.set_language(i18n.from_environment(os.environ))
