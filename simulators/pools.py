"""One loopback server that answers like seven mining pools' worker APIs, with stale and missing workers.

Every pool reads the same account: workers with a hashrate and a last-share time. A worker can go
stale (no more shares), go missing from the list, or come back; the whole server can fail with an
HTTP status or a malformed reply. Each pool's reply keeps that pool's field names, units and quirks.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import time

from aiohttp import web

from .server import LoopbackServer, RecentLog

ADDRESS = "bc1qsimulatedpooladdress000000000000000000"
TOKEN = "braiins-token"  # noqa: S105 - simulated credentials
SECRET = "f2pool-secret"  # noqa: S105
API_KEY = "viabtc-key"
F2POOL_USER = "simuser"


@dataclass
class SimWorker:
    """A worker: hashing at a rate, sending shares unless stale, listed unless missing."""

    hashrate_ths: float
    stale_since: float | None = None
    missing: bool = False


@dataclass
class PoolSimulator(LoopbackServer):
    """Serve every pool's worker API for one account on 127.0.0.1."""

    workers: dict[str, SimWorker] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    # The credentials the account accepts now (change them to simulate a revoked token).
    token: str = TOKEN
    secret: str = SECRET
    api_key: str = API_KEY
    # Addresses the address-keyed pools know (each shows the same workers).
    addresses: set[str] = field(default_factory=lambda: {ADDRESS})
    username: str = F2POOL_USER
    status_override: int | None = None
    malformed: bool = False
    requests: RecentLog[tuple[str, str]] = field(default_factory=RecentLog)

    def __post_init__(self) -> None:
        """Start serving nothing until start()."""
        super().__init__()

    # --- control ------------------------------------------------------------------------
    def stale(self, name: str) -> None:
        """Stop the worker's shares now (a hung rig)."""
        self.workers[name].stale_since = self.clock()

    def recover(self, name: str) -> None:
        """Let the worker hash again and reappear in the list."""
        worker = self.workers[name]
        worker.stale_since, worker.missing = None, False

    def last_share(self, worker: SimWorker) -> float:
        """Return the worker's last share time: now, or when it went stale."""
        return worker.stale_since if worker.stale_since is not None else self.clock() - 3

    def listed(self) -> dict[str, SimWorker]:
        """Return the workers the pool lists."""
        return {name: worker for name, worker in self.workers.items() if not worker.missing}

    def rate(self, worker: SimWorker) -> float:
        """Return the worker's current hashrate in TH/s (zero once stale)."""
        return 0.0 if worker.stale_since is not None else worker.hashrate_ths

    # --- HTTP -----------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        """Route every pool's endpoint."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/accounts/workers/json/btc/", self._braiins)
        app.router.add_get("/users/{address}", self._ckpool)
        app.router.add_get("/api/client/{address}", self._public_pool)
        app.router.add_get("/v1/user_hashrate_full/{address}", self._ocean)
        app.router.add_post("/v2/hash_rate/worker/list", self._f2pool)
        app.router.add_get("/res/openapi/v1/hashrate/worker", self._viabtc)
        app.router.add_get("/v2/miner/workers", self._flexpool)
        app.router.add_post("/_sim/worker", self._control)
        return app

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Record the request and inject faults."""
        if not request.path.startswith("/_sim/"):
            self.requests.append((request.method, request.path))
            if self.status_override is not None:
                return web.json_response({"error": "simulated"}, status=self.status_override)
            if self.malformed:
                return web.Response(text='{"workers": [', content_type="application/json")
        return await handler(request)

    @staticmethod
    def _refuse_unless(condition: bool, status: int = 401) -> None:
        """Answer an error status unless the request is authorised."""
        if not condition:
            raise web.HTTPNotFound() if status == 404 else web.HTTPUnauthorized()

    async def _braiins(self, request: web.Request) -> web.Response:
        """Braiins: token header, workers keyed "<user>.<worker>", rates in hash_rate_unit."""
        token = request.headers.get("SlushPool-Auth-Token") or request.headers.get("Pool-Auth-Token")
        self._refuse_unless(token == self.token)
        workers = {
            f"{self.username}.{name}": {
                "state": "ok" if self.rate(worker) > 0 else "off",
                "last_share": int(self.last_share(worker)),
                "hash_rate_unit": "Gh/s",
                "hash_rate_5m": round(self.rate(worker) * 1000, 3),
                "hash_rate_60m": round(self.rate(worker) * 1000, 3),
                "hash_rate_24h": round(worker.hashrate_ths * 1000, 3),
            }
            for name, worker in self.listed().items()
        }
        return web.json_response({"username": self.username, "btc": {"workers": workers}})

    async def _ckpool(self, request: web.Request) -> web.Response:
        """CKPool: 404 for an unknown address, SI-suffixed rate strings."""
        self._refuse_unless(request.match_info["address"] in self.addresses, 404)
        workers = [
            {
                "workername": f"{request.match_info['address']}.{name}",
                "hashrate1m": _si(self.rate(worker) * 1.5),  # a noisier window than the 5-minute one
                "hashrate5m": _si(self.rate(worker)),
                "hashrate1hr": _si(worker.hashrate_ths),
                "lastshare": int(self.last_share(worker)),
                "shares": 1234,
            }
            for name, worker in self.listed().items()
        ]
        return web.json_response({"hashrate1m": "0", "workers": len(workers), "worker": workers})

    async def _public_pool(self, request: web.Request) -> web.Response:
        """public-pool: one entry per session (two for every worker), ISO lastSeen, H/s."""
        self._refuse_unless(request.match_info["address"] in self.addresses, 404)
        sessions = []
        for name, worker in self.listed().items():
            seen = datetime.fromtimestamp(self.last_share(worker), UTC).isoformat().replace("+00:00", "Z")
            for share in (0.75, 0.25):
                sessions.append(
                    {
                        "sessionId": f"{name}-{share}",
                        "name": name,
                        "hashRate": self.rate(worker) * share * 1e12,
                        "lastSeen": seen,
                    }
                )
        return web.json_response({"bestDifficulty": 1e9, "workersCount": len(sessions), "workers": sessions})

    async def _ocean(self, request: web.Request) -> web.Response:
        """OCEAN: one-item lists of decimal strings in H/s; no share time per worker."""
        self._refuse_unless(request.match_info["address"] in self.addresses, 404)
        workers = {
            name: [
                {
                    "hashrate_60s": f"{self.rate(worker) * 1e12:.0f}",
                    "hashrate_300s": f"{self.rate(worker) * 1e12:.0f}",
                }
            ]
            for name, worker in self.listed().items()
        }
        return web.json_response({"result": {"lastest_share_ts": int(self.clock()), "workers": workers}})

    async def _f2pool(self, request: web.Request) -> web.Response:
        """F2Pool: secret header, code/msg errors, status 0 online / 1 offline."""
        if request.headers.get("F2P-API-SECRET") != self.secret:
            return web.json_response({"code": 40001, "msg": "invalid secret"})
        body = await request.json()
        if body.get("mining_user_name") != F2POOL_USER:
            return web.json_response({"code": 40002, "msg": "user not found"})
        workers = [
            {
                "hash_rate_info": {"name": name, "hash_rate": self.rate(worker) * 1e12},
                "last_share_at": int(self.last_share(worker)),
                "status": 0 if self.rate(worker) > 0 else 1,
            }
            for name, worker in self.listed().items()
        ]
        return web.json_response({"workers": workers})

    async def _viabtc(self, request: web.Request) -> web.Response:
        """ViaBTC: key header, code != 0 on error, "active"/"unactive" (sic), H/s strings."""
        if request.headers.get("X-API-KEY") != self.api_key:
            return web.json_response({"code": 401, "message": "invalid api key", "data": {}})
        workers = [
            {
                "worker_name": name,
                "worker_status": "active" if self.rate(worker) > 0 else "unactive",
                "hashrate_10min": f"{self.rate(worker) * 1e12:.0f}",
                "last_active": int(self.last_share(worker)),
            }
            for name, worker in self.listed().items()
        ]
        return web.json_response(
            {"code": 0, "message": "OK", "data": {"count": len(workers), "data": workers}}
        )

    async def _flexpool(self, request: web.Request) -> web.Response:
        """Flexpool (legacy): error/result envelope, isOnline, lastSeen unix s."""
        if request.query.get("address") not in self.addresses:
            return web.json_response({"error": "invalid address", "result": None})
        workers = [
            {
                "name": name,
                "isOnline": self.rate(worker) > 0,
                "currentEffectiveHashrate": self.rate(worker) * 1e12,
                "lastSeen": int(self.last_share(worker)),
            }
            for name, worker in self.listed().items()
        ]
        return web.json_response({"error": None, "result": workers})

    async def _control(self, request: web.Request) -> web.Response:
        """POST /_sim/worker {"name": "rig1", "action": "stale" | "missing" | "recover"}."""
        body = await request.json()
        name, action = body.get("name"), body.get("action")
        if name not in self.workers or action not in ("stale", "missing", "recover"):
            raise web.HTTPBadRequest(text="unknown worker or action")
        if action == "stale":
            self.stale(name)
        elif action == "missing":
            self.workers[name].missing = True
        else:
            self.recover(name)
        return web.json_response({"ok": True})


def _si(terahashes: float) -> str:
    """Write a rate the way CKPool does: "1.2T", "850G", or a bare number of H/s."""
    for suffix, scale in (("P", 1e3), ("T", 1.0), ("G", 1e-3), ("M", 1e-6)):
        if terahashes >= scale:
            return f"{terahashes / scale:.3g}{suffix}"
    return f"{terahashes * 1e12:.0f}"


async def _main(args: argparse.Namespace) -> None:
    """Serve the given workers until interrupted."""
    pool = PoolSimulator(workers={name: SimWorker(hashrate_ths=1.1) for name in args.workers})
    await pool.start(args.port)
    print(f"pools at http://{pool.host} for {ADDRESS}; workers: {', '.join(args.workers)}", flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()


def main() -> None:
    """Parse arguments and serve."""
    parser = argparse.ArgumentParser(description="Simulated mining-pool worker APIs on 127.0.0.1")
    parser.add_argument("workers", nargs="*", default=["rig1", "rig2"])
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
