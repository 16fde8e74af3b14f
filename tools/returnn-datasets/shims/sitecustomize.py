"""Loaded by Python at start-up (PYTHONPATH) for run-returnn-demos.sh only.

Some RETURNN demos name their model path with os.getlogin(), which raises OSError without a
controlling terminal (a background run); then it answers as RETURNN's own get_login_username()
does (returnn/util/basic.py: the user name of the process). The configs stay unmodified."""
import getpass
import os

_getlogin = os.getlogin


def _getlogin_or_user():
    try:
        return _getlogin()
    except OSError:
        return getpass.getuser()


os.getlogin = _getlogin_or_user
