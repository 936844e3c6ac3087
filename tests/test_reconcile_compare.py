"""The comparison's rules, one user at a time (no servers): which category each pair falls in."""

from __future__ import annotations

from wizard.reconcile.compare import Comparer
from wizard.reconcile.model import KandjiEntry, OktaEntry, Row


class Rows:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def row(self, row: Row) -> None:
        self.rows.append(row)


def okta(login: str, status: str = "PROVISIONED", sync: str = "SYNCHRONIZED") -> OktaEntry:
    return OktaEntry("00u" + login[:3], login, status, sync, "ext", "GROUP")


def kandji(name: str, active: bool = True) -> KandjiEntry:
    return KandjiEntry("id-" + name.strip(), name, active, "")


def compare(okta_users: list[OktaEntry], kandji_users: list[KandjiEntry]) -> dict[str, str]:
    out = Rows()
    comparer = Comparer(out)  # type: ignore[arg-type]
    comparer.add_kandji(kandji_users[:1])  # the probe page arrives before Okta's side
    comparer.add_okta(okta_users)
    comparer.finish_okta()
    comparer.add_kandji(kandji_users[1:])
    comparer.finish({})
    return {(r.okta_login or r.kandji_user_name): r.category for r in out.rows}


def test_each_category():
    found = compare(
        [
            okta("both@x.com"),
            okta("gone@x.com"),
            okta("off@x.com"),
            okta("left@x.com", status="DEPROVISIONED"),
            okta("case@x.com"),
        ],
        [kandji("off@x.com", active=False), kandji("both@x.com"), kandji("left@x.com"), kandji(" CASE@x.com"),
         kandji("stray@x.com")],
    )  # fmt: skip
    assert found == {
        "both@x.com": "in_both",
        "gone@x.com": "missing",
        "off@x.com": "inactive",  # deactivated in Kandji, active in Okta
        "left@x.com": "inactive",  # deprovisioned in Okta, still active in Kandji
        "case@x.com": "case_mismatch",
        "stray@x.com": "orphan",
    }


def test_a_second_kandji_user_with_the_same_name_is_a_duplicate_orphan():
    out = Rows()
    comparer = Comparer(out)  # type: ignore[arg-type]
    comparer.add_okta([okta("ada@x.com")])
    comparer.finish_okta()
    comparer.add_kandji([kandji("ada@x.com"), kandji("ADA@x.com")])
    summary = comparer.finish({})
    assert [r.category for r in out.rows] == ["in_both", "orphan"]
    assert "duplicate" in out.rows[1].reason
    assert (summary.in_both, summary.orphans, summary.missing) == (1, 1, 0)
