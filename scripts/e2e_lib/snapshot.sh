#!/usr/bin/env bash
# What an install may change on the machine, one line per item as
# "SECTION<TAB>ITEM", sorted: the /etc tree (type, mode, owner, link target,
# sha256 of regular files), getent passwd and group, the names in shadow
# and gshadow (with gshadow's members; no hashes), /usr/bin's links, the
# unit files systemd knows, and dpkg's package rows. Run inside the machine
# as root (scripts/e2e before the install, uninstall_checks.py after the
# uninstall); diff two outputs to see what stayed behind.
set -euo pipefail
export LC_ALL=C
{
  find /etc -xdev -printf 'etc\t%y %m %u:%g %p -> %l\n'
  find /etc -xdev -type f -print0 | xargs -0 -r sha256sum | sed 's/^\([0-9a-f]*\)  \(.*\)$/etc-sha256\t\2 \1/'
  getent passwd | sed 's/^/passwd\t/'
  getent group | sed 's/^/group\t/'
  cut -d: -f1 /etc/shadow | sed 's/^/shadow\t/'
  cut -d: -f1,4 /etc/gshadow | sed 's/^/gshadow\t/'
  find /usr/bin -maxdepth 1 -type l -printf 'usr-bin-link\t%p -> %l\n'
  systemctl list-unit-files --no-legend --no-pager | awk '{print "unit-file\t" $1 " " $2}'
  dpkg-query -W -f='dpkg\t${db:Status-Abbrev} ${binary:Package} ${Version}\n'
} | sort
