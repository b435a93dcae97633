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
