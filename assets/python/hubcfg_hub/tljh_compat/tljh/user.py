"""Unix accounts and groups under TLJH's names (useradd, groupadd, gpasswd)."""
import grp
import os
import pwd
import subprocess


def _exists(lookup, name):
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def ensure_user(username):
    """Creates `username` with a private home unless it exists; then runs
    the plugins' tljh_new_user_create, as TLJH does."""
    if _exists(pwd.getpwnam, username):
        return
    subprocess.check_call(["useradd", "--create-home", "--shell", "/bin/bash", "--", username])
    os.chmod(pwd.getpwnam(username).pw_dir, 0o700)
    from tljh.utils import get_plugin_manager

    get_plugin_manager().hook.tljh_new_user_create(username=username)


def remove_user(username):
    if _exists(pwd.getpwnam, username):
        subprocess.check_call(["userdel", "--", username])


def ensure_group(groupname):
    subprocess.check_call(["groupadd", "--force", "--", groupname])


def remove_group(groupname):
    if _exists(grp.getgrnam, groupname):
        subprocess.check_call(["groupdel", "--", groupname])


def ensure_user_group(username, groupname):
    if username not in grp.getgrnam(groupname).gr_mem:
        subprocess.check_call(["gpasswd", "--add", username, groupname])


def remove_user_group(username, groupname):
    if username in grp.getgrnam(groupname).gr_mem:
        subprocess.check_call(["gpasswd", "--delete", username, groupname])
