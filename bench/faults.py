"""Inject faults into a running stack and check that Offramp keeps working. Not a test: a
person runs it against the compose stack (or `make run` + `make worker` + `make beat` with
DATABASE_URL and CELERY_BROKER_URL set), on loopback only, with bounded loops.

    .venv/bin/python bench/faults.py --base http://127.0.0.1:8000 --user leader \
        --password offramp-demo [--stop-redis CMD --start-redis CMD] [--stop-worker CMD ...]

Each scenario prints what it did and PASS or FAIL:
1. ready: /healthz answers and /readyz is ok.
2. broker outage: with Redis stopped, asking for a contract PDF answers within 2 s (no 500)
   and the job says it waits for the worker; after Redis is back the sweeper publishes it and
   it finishes (within two sweeps).
3. worker stopped: /readyz turns to fail within the ping timeout, and back to ok after.

The stop/start commands are yours to give (for compose: `docker compose stop redis`); without
them a scenario is skipped.
"""

import argparse
import re
import subprocess
import sys
import time
import urllib.parse

import requests

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def say(step, ok, detail=""):
    print(f"[{'PASS' if ok else 'FAIL'}] {step}{': ' + detail if detail else ''}", flush=True)
    return ok


def login(base, user, password):
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(f"{base}/login/", data={"username": user, "password": password,
                                         "csrfmiddlewaretoken": token},
                 headers={"Referer": f"{base}/login/"}, timeout=5)
    return session


def wait(predicate, seconds, every=1.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def ready(session, base):
    return session.get(f"{base}/readyz", timeout=5).status_code == 200


def first_version(session, base):
    """The first frozen SOW version the user can see, through the API."""
    versions = session.get(f"{base}/api/v1/sow-versions/", timeout=5).json()["results"]
    return versions[0]["id"] if versions else None


def scenario_broker(session, base, stop, start):
    version = first_version(session, base)
    if version is None:
        return say("broker outage", False, "no frozen SOW version to render (seed the demo)")
    csrf = session.cookies.get("csrftoken", "")
    subprocess.run(stop, shell=True, check=True, timeout=60)
    try:
        started = time.monotonic()
        response = session.post(f"{base}/api/v1/sow-versions/{version}/render/", timeout=30,
                                headers={"X-CSRFToken": csrf, "Referer": base})
        elapsed = time.monotonic() - started
        ok = say("render asked for while Redis is down", response.status_code in (200, 202)
                 and elapsed < 2, f"HTTP {response.status_code} in {elapsed:.2f} s")
        job = response.json().get("id") if response.ok else None
    finally:
        subprocess.run(start, shell=True, check=True, timeout=60)
    if job is None:
        return False
    done = wait(lambda: session.get(f"{base}/api/v1/render-jobs/{job}/", timeout=5).json()
                ["status"] in ("succeeded", "failed"), seconds=200, every=2)
    status = session.get(f"{base}/api/v1/render-jobs/{job}/", timeout=5).json()["status"]
    return say("the job runs after Redis is back (two sweeps)", done and status == "succeeded",
               status) and ok


def scenario_worker(session, base, stop, start):
    subprocess.run(stop, shell=True, check=True, timeout=60)
    try:
        down = say("/readyz fails with the worker stopped",
                   wait(lambda: not ready(session, base), seconds=20))
    finally:
        subprocess.run(start, shell=True, check=True, timeout=60)
    up = say("/readyz recovers with the worker back", wait(lambda: ready(session, base), 90))
    return down and up


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="leader")
    parser.add_argument("--password", default="offramp-demo")
    parser.add_argument("--stop-redis")
    parser.add_argument("--start-redis")
    parser.add_argument("--stop-worker")
    parser.add_argument("--start-worker")
    args = parser.parse_args()
    if urllib.parse.urlparse(args.base).hostname not in LOOPBACK:
        sys.exit("faults.py runs against a stack on this machine only (loopback).")
    session = login(args.base, args.user, args.password)
    results = [say("liveness", requests.get(f"{args.base}/healthz", timeout=5).ok),
               say("readiness", ready(session, args.base))]
    if args.stop_redis and args.start_redis:
        results.append(scenario_broker(session, args.base, args.stop_redis, args.start_redis))
    else:
        print("[SKIP] broker outage: give --stop-redis and --start-redis")
    if args.stop_worker and args.start_worker:
        results.append(scenario_worker(session, args.base, args.stop_worker, args.start_worker))
    else:
        print("[SKIP] worker stopped: give --stop-worker and --start-worker")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
