#!/usr/bin/python3
"""Run a command with LG_CONSOLE set to a fresh pseudo-terminal, so tests of
the hardware path have a serial port that opens but has no board behind it.

    hil/with-pty.py <command...>
"""
import os
import subprocess
import sys

master, slave = os.openpty()
env = dict(os.environ, LG_CONSOLE=os.ttyname(slave))
sys.exit(subprocess.call(sys.argv[1:], env=env))
