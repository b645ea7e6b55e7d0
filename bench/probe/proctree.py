"""A process tree's CPU and memory from /proc (imported by the browser benchmarks' samplers, from the repo's root)."""
import os


def tree(root):
    """root's pid and every live descendant's (children found through each process's ppid)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try: kids.setdefault(int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except OSError: pass
    found, todo = [], [root]
    while todo:
        pid = todo.pop(); found.append(pid); todo += kids.get(pid, [])
    return found


def kib(pid, name, field):
    """A "Field:  N kB" line of /proc/PID/NAME, 0 once the process is gone."""
    try:
        for line in open(f"/proc/{pid}/{name}"):
            if line.startswith(field): return int(line.split()[1])
    except OSError: pass
    return 0


def memory_kib(pids):
    """The summed RSS and summed PSS of the processes: RSS counts shared pages once per process, PSS divides them."""
    return sum(kib(q, "status", "VmRSS:") for q in pids), sum(kib(q, "smaps_rollup", "Pss:") for q in pids)


def cpu_seconds(pids):
    """utime+stime+cutime+cstime of the live processes: a child that exited and was reaped is in its parent's
    cutime/cstime, so nothing is lost or counted twice while the tree's root lives."""
    ticks = 0
    for pid in pids:
        try: ticks += sum(int(x) for x in open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[11:15])
        except OSError: pass
    return ticks / os.sysconf("SC_CLK_TCK")


def become_subreaper():
    """Orphans of our children (Chromium's zygote and renderers, whose parent exits first) are reparented to us instead
    of init, so reap_orphans() can reap them into our RUSAGE_CHILDREN: without it a dump-dom run's renderers are lost
    (measured: 10 dump-doms of the shop page, 5.82 s of CPU without, 11.05 s with)."""
    import ctypes
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER


def reap_orphans(wait_s=5.0):
    """Reaps every remaining child (the orphans become_subreaper() took in), waiting up to wait_s for them to exit."""
    import time
    deadline = time.monotonic() + wait_s
    while True:
        try: pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError: return
        if pid == 0:
            if time.monotonic() > deadline: return
            time.sleep(0.05)
