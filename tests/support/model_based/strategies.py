"""What the model-based test's rules draw: tokens, records, fields, events, instances, formats, uploads,
and who imports roles and DAGs."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.support import (
    token,
)
from tests.support.model_based.fixture import (
    CLASSIC,
    LONGITUDINAL,
    PAYLOADS,
    UPLOAD_NAMES,
)

# ---------------------------------------------------------------------------------------------------------
# Strategies

ALL_USERS = [u for doc in (CLASSIC, LONGITUDINAL) for u in doc["users"]]
ADMINS = [token(0x5EED01, 1), token(0x5EED01, 21)]
LONGITUDINAL_TOKENS = frozenset(u["token"].upper() for u in LONGITUDINAL["users"])

# Repeating set-ups to choose from (event, form; "" repeats the event): the fixture's two and one more
REPEATING_CHOICES = [("visit_arm_1", ""), ("followup_arm_1", "labs"), ("baseline_arm_1", "labs")]
WEIRD_TOKENS: list[str | None] = [
    None,
    "",
    "BAD00000000000000000000000000000",
    "not-a-token",
    ADMINS[0] + "\n",
    ADMINS[0].lower(),
    ADMINS[1].lower(),
]
tokens = st.one_of(
    st.sampled_from(ADMINS),  # weighted: the admins reach the methods' own checks
    st.sampled_from([u["token"] for u in ALL_USERS]),
    st.sampled_from(WEIRD_TOKENS),
)
records = st.sampled_from(["1", "1", "2", "A7", "a7", "a7 ", "L1", "l1", "5", "L2", "99", "", '<b>"q"&\''])
fields = st.sampled_from(
    ["consent", "lab_file", "lab_file", "Lab_File", "CONSENT", "signature", "age", "record_id", "nope", ""]
)
odd_fields = st.sampled_from(["x'y", "<i>z</i>", "a&b"])
events = st.sampled_from(
    [None, "baseline_arm_1", "visit_arm_1", "followup_arm_1", "Baseline_Arm_1", "bogus", ""]
)
numeric_instances = st.sampled_from([None, "1", "2", "2", "3", "0", "-1", "x", "1.5", "2.0"])
integer_instances = st.sampled_from([None, "1", "2", "2", "3", "0", "-1", "x", "1.5"])
formats = st.sampled_from([None, "json", "xml", "csv", "JSON"])
# Mostly valid requests, so that files are written, read back, replaced and deleted often.
able_tokens = st.sampled_from(ADMINS + [token(0x5EED01, n) for n in (2, 3, 5, 10, 14, 23, 25)])
# Who imports roles and assignments: the two User Rights holders (never put in a role here, so they keep
# that right), the super user, and an admin without User Rights (refused).
ROLE_ADMINS = [token(0x5EED01, n) for n in (13, 13, 24, 24, 10, 1)]
# Who imports DAGs and assignments: the DAG right holders, the super user, an admin without it (refused).
DAG_ADMINS = [token(0x5EED01, n) for n in (13, 13, 24, 24, 10, 1)]
# Whom the assignments move in and out of DAGs (never those who import them).
DAG_CANDIDATES = {601: ["importer", "remover", "admin", "member"], 602: ["l_admin", "l_deid"]}
# Whom the assignments move in and out of roles (never the User Rights holders).
ROLE_CANDIDATES = {
    601: ["importer", "deleter", "remover", "member", "no_api", "mixed"],
    602: ["l_reader", "l_deid", "l_member"],
}
known_records = st.sampled_from(["1", "2", "A7", "5", "L2"])
file_fields = st.sampled_from(["consent", "lab_file", "signature"])
known_events = st.sampled_from(["baseline_arm_1", "visit_arm_1", "followup_arm_1"])
small_instances = st.sampled_from([None, "1", "2", "3"])
uploads = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from(list(UPLOAD_NAMES)),
        st.one_of(
            st.sampled_from([p for p, _m in PAYLOADS]),
            st.integers(0, 10**6).map(lambda n: f"upload version {n}\n".encode()),
        ),
    ),
)
