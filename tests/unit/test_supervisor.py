"""`tradecert run`'s restarts (issue 12): the backoff between them and how a death is told."""
from operations.supervisor import Backoff, how_it_ended


def test_restarts_back_off_while_a_child_keeps_dying_and_start_again_after_a_good_run():
    backoff = Backoff()
    assert [backoff.delay(uptime=1) for _ in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff.delay(uptime=30) == 0.5  # it had stayed up: a new crash, a quick restart
    assert backoff.delay(uptime=2) == 1


def test_a_death_is_told_with_its_exit_code_or_signal():
    assert how_it_ended(-9) == "was killed by SIGKILL"
    assert how_it_ended(-15) == "was killed by SIGTERM"
    assert how_it_ended(1) == "exited with code 1"
    assert how_it_ended(0) == "exited with code 0"


def test_several_gateways_share_the_address_and_serve_their_metrics_on_ports_of_their_own():
    """GATEWAY.processes: `gateway` alone answers /metrics at the web address; several are
    `gateway-1`... on the same address, each with a metrics port (issue 12)."""
    import nameko

    from operations.supervisor import Supervisor
    from tradecert import config

    metrics = {**config.section("METRICS"), "base_port": 9400}
    gateway = config.section("GATEWAY")
    with nameko.config.patch({"METRICS": metrics, "GATEWAY": {**gateway, "processes": 1}}):
        one = Supervisor(seed=False)
    assert [c.name for c in one.children if c.name.startswith("gateway")] == ["gateway"]
    assert one.metrics_urls["gateway"] == f"{one.gateway_url()}/metrics"
    with nameko.config.patch({"METRICS": metrics, "GATEWAY": {**gateway, "processes": 2}}):
        two = Supervisor(seed=False)
    gateways = [c for c in two.children if c.name.startswith("gateway")]
    assert [c.name for c in gateways] == ["gateway-1", "gateway-2"]
    assert gateways[0].argv == gateways[1].argv
    ports = {c.env["TRADECERT_METRICS_PORT"] for c in gateways}
    assert len(ports) == 2 and "gateway" not in two.metrics_urls
    assert {two.metrics_urls[c.name] for c in gateways} == {
        f"http://127.0.0.1:{port}/metrics" for port in ports}
