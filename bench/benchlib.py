"""Helpers shared by bench/'s Python workloads (route/compare.py, chain/backlog.py); bench/lib.sh is the shell side,
and its nginx_conf writes the nginx config for both."""
import os, socket, subprocess, time, urllib.request

LIB_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib.sh")


def free_port():
    """An unused loopback TCP port."""
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def ticks(pid):
    """User + system CPU of a running process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def hwm_kib(pid):
    """A running process's peak resident set size so far (VmHWM)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"): return int(line.split()[1])
    return 0


def wait_http(url, who="bench"):
    """Waits up to 20 s for URL to answer, else stops the workload."""
    for _ in range(200):
        try: urllib.request.urlopen(url, timeout=1).read(); return
        except Exception: time.sleep(0.1)
    raise SystemExit(f"{who}: {url} did not answer")


def start_nginx(folder, port, server, children, who="bench"):
    """nginx on 127.0.0.1:PORT, configured by lib.sh's nginx_conf in FOLDER with SERVER as the server's body; added
    to CHILDREN (for stop_all) and waited for."""
    subprocess.run(["bash", "-c", 'source "$0" && nginx_conf "$@"', LIB_SH, folder, str(port), "1", server], check=True)
    children.append(subprocess.Popen(["nginx", "-e", f"{folder}/logs/error.log", "-c", f"{folder}/nginx.conf", "-p", folder]))
    wait_http(f"http://127.0.0.1:{port}/", who)


def stop_all(children):
    """Asks every child still running to stop, then waits for each (10 s, then kills it)."""
    for p in children:
        if p.poll() is None: p.terminate()
    for p in children:
        try: p.wait(timeout=10)
        except Exception: p.kill()
