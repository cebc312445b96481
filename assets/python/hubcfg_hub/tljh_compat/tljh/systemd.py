"""systemctl helpers under TLJH's names."""
import os
import subprocess


def _systemctl(*args):
    subprocess.run(["systemctl", *args], check=True)


def reload_daemon():
    _systemctl("daemon-reload")


def install_unit(name, unit, path="/etc/systemd/system"):
    with open(os.path.join(path, name), "w") as f:
        f.write(unit)


def uninstall_unit(name, path="/etc/systemd/system"):
    os.remove(os.path.join(path, name))


def start_service(name):
    _systemctl("start", name)


def stop_service(name):
    _systemctl("stop", name)


def restart_service(name):
    _systemctl("restart", name)


def enable_service(name):
    _systemctl("enable", name)


def disable_service(name):
    _systemctl("disable", name)


def _succeeds(*args):
    done = subprocess.run(["systemctl", *args], stdout=subprocess.DEVNULL)
    return done.returncode == 0


def check_service_active(name):
    return _succeeds("is-active", name)


def check_service_enabled(name):
    return _succeeds("is-enabled", name)
