"""UtcDateTime writes on SQLite exactly the text SQLAlchemy's own DATETIME writes, so rows of
either read alike and text order stays time order."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from pancake_mock.adapters.schema import UtcDateTime

SQLITE = sqlite.dialect()
MOMENTS = [datetime(2026, 12, 1, 10, 28, 36, tzinfo=timezone.utc), datetime(1970, 1, 1, tzinfo=timezone.utc),
           datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
           datetime(2026, 6, 1, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=-7)))]


def processors(kind, dialect):
    implementation = kind.dialect_impl(dialect)
    return implementation.bind_processor(dialect), implementation.result_processor(dialect, None)


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_text_is_sqlalchemy_s_and_reads_back_as_the_same_moment(moment):
    ours_in, ours_out = processors(UtcDateTime(), SQLITE)
    theirs_in, theirs_out = processors(DateTime(), SQLITE)
    naive_utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    assert ours_in(moment) == theirs_in(naive_utc)
    assert ours_out(ours_in(moment)) == moment
    assert ours_out(theirs_in(naive_utc)) == theirs_out(theirs_in(naive_utc)).replace(tzinfo=timezone.utc)


def test_text_order_is_time_order():
    write, _ = processors(UtcDateTime(), SQLITE)
    moments = sorted(MOMENTS)
    assert sorted(write(m) for m in moments) == [write(m) for m in moments]


def test_none_stays_none_and_other_dialects_keep_sqlalchemy_s_processing():
    write, read = processors(UtcDateTime(), SQLITE)
    assert write(None) is None and read(None) is None
    pg_write, _ = processors(UtcDateTime(), postgresql.dialect())
    moment = MOMENTS[3]
    assert (pg_write or (lambda value: value))(moment) == moment.astimezone(timezone.utc).replace(tzinfo=None)
