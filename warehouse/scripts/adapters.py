"""The three places the warehouse project runs: DuckDB (embedded, reads the Parquet inputs
directly), a throwaway Postgres server (initdb + pg_ctl in a temporary folder, a free port,
removed afterwards) and Spark (dbt-spark `method: session`, PySpark on local[*]).

Each adapter lands the inputs where its dbt target reads them, names the dbt target, reads the
marts back as plain rows, and exports `export_watch_logs` as Parquet for `coursepulse split`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

MARTS = [
    "mart_summary",
    "mart_learners",
    "mart_learners_top",
    "mart_learners_bottom",
    "mart_most_watched_learner",
    "mart_videos",
    "mart_courses",
    "mart_course_videos",
    "mart_daily",
    "mart_completion_histogram",
    "mart_quality",
    "mart_quality_samples",
]


class WarehouseError(Exception):
    """A step of the warehouse build could not run; the message says what to do."""


def landing_query(files: list[Path]) -> str:
    """Every row of `files` with its file's position in `files` (the CLI's input order) and
    its 0-based row number."""
    paths = ", ".join("'" + str(path).replace("'", "''") + "'" for path in files)
    return f"""
        SELECT * EXCLUDE (filename, file_row_number),
               list_position([{paths}], filename) - 1 AS _file_index,
               file_row_number AS _row_number,
               filename AS _source_file
        FROM read_parquet([{paths}], filename = true, file_row_number = true,
                          union_by_name = true, hive_partitioning = false)
    """


def utc_connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def naive_timestamps(connection: duckdb.DuckDBPyConnection, query: str) -> str:
    """`query` with TIMESTAMP WITH TIME ZONE columns turned into naive UTC TIMESTAMPs."""
    columns = connection.execute(f"DESCRIBE {query}").fetchall()
    selected = []
    for name, kind, *_ in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        if kind == "TIMESTAMP WITH TIME ZONE":
            selected.append(f"CAST({quoted} AS TIMESTAMP) AS {quoted}")
        else:
            selected.append(quoted)
    return f"SELECT {', '.join(selected)} FROM ({query})"


def rows_of(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


class DuckDb:
    """dbt-duckdb on a database file; the models read the Parquet inputs themselves."""

    name = "duckdb"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.database = workdir / "coursepulse.duckdb"

    def __enter__(self) -> "DuckDb":
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def env(self, _build_dir: Path) -> dict[str, str]:
        return {"COURSEPULSE_DUCKDB_PATH": str(self.database)}

    def land(self, files: list[Path]) -> dict[str, Any]:
        return {"input_files": [str(path) for path in files]}

    def read_marts(self) -> dict[str, list[dict[str, Any]]]:
        connection = duckdb.connect(str(self.database), read_only=True)
        try:
            return {
                mart: rows_of(connection, f'SELECT * FROM "main_marts"."{mart}"') for mart in MARTS
            }
        finally:
            connection.close()

    def export(self, export_dir: Path) -> Path:
        # dbt-duckdb's external materialization already wrote hive-partitioned Parquet there.
        return export_dir


class Postgres:
    """A throwaway Postgres server from the Debian packages, in a temporary folder on a free
    port; the inputs are landed into `landing.watch_logs` with COPY."""

    name = "postgres"
    user = "coursepulse"
    database = "coursepulse"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.folder: Path | None = None
        self.port = 0

    @staticmethod
    def _binary(name: str) -> str:
        found = shutil.which(name)
        if found:
            return found
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        if candidates:
            return candidates[-1]
        raise WarehouseError(
            f"{name} not found: cargo xtask setup installs Debian's postgresql package"
        )

    @staticmethod
    def _as_postgres(command: list[str]) -> list[str]:
        # initdb and the server refuse to run as root.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return command

    def __enter__(self) -> "Postgres":
        initdb, pg_ctl = self._binary("initdb"), self._binary("pg_ctl")
        self.folder = Path(tempfile.mkdtemp(prefix="coursepulse-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # The C locale orders text bytewise, as the engine orders text ids.
        run(self._as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", self.user,
                               "--no-locale", "-E", "UTF8"]),
            "initdb of the throwaway Postgres server")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(self._as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l",
                               str(self.folder / "server.log"), "-w", "start"]),
            "starting the throwaway Postgres server")
        connection = self._connect("postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {self.database}")
        connection.close()
        return self

    def __exit__(self, *_: object) -> None:
        if self.folder is None:
            return
        pg_ctl = self._binary("pg_ctl")
        subprocess.run(self._as_postgres([pg_ctl, "-D", str(self.folder / "data"), "-m", "fast",
                                          "-w", "stop"]), capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def _connect(self, database: str | None = None):
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user,
                                dbname=database or self.database)

    def env(self, _build_dir: Path) -> dict[str, str]:
        return {
            "COURSEPULSE_PG_HOST": "127.0.0.1",
            "COURSEPULSE_PG_PORT": str(self.port),
            "COURSEPULSE_PG_USER": self.user,
            "COURSEPULSE_PG_DATABASE": self.database,
        }

    def land(self, files: list[Path]) -> dict[str, Any]:
        local = utc_connection()
        query = naive_timestamps(local, landing_query(files))
        columns = local.execute(f"DESCRIBE {query}").fetchall()
        csv_path = self.workdir / "landing.csv"
        local.execute(f"COPY ({query}) TO '{csv_path}' (FORMAT csv, HEADER true)")
        local.close()
        definitions = ", ".join(f'"{name}" {postgres_type(kind)}' for name, kind, *_ in columns)
        connection = self._connect()
        with connection, connection.cursor() as cursor:
            cursor.execute("CREATE SCHEMA IF NOT EXISTS landing")
            cursor.execute("DROP TABLE IF EXISTS landing.watch_logs CASCADE")
            cursor.execute(f"CREATE TABLE landing.watch_logs ({definitions})")
            with open(csv_path, encoding="utf-8") as data:
                cursor.copy_expert(
                    "COPY landing.watch_logs FROM STDIN WITH (FORMAT csv, HEADER true)", data)
        connection.close()
        csv_path.unlink()
        return {}

    def read_marts(self) -> dict[str, list[dict[str, Any]]]:
        connection = self._connect()
        marts = {}
        with connection.cursor() as cursor:
            for mart in MARTS:
                cursor.execute(f'SELECT * FROM "public_marts"."{mart}"')
                names = [column[0] for column in cursor.description]
                marts[mart] = [dict(zip(names, plain_row(row))) for row in cursor.fetchall()]
        connection.close()
        return marts

    def export(self, export_dir: Path) -> Path:
        csv_path = self.workdir / "export.csv"
        connection = self._connect()
        with connection.cursor() as cursor, open(csv_path, "w", encoding="utf-8") as out:
            # The export is partitioned by watch date (one LIST partition per date); say so
            # loudly if it is not, rather than export a plain table unnoticed.
            cursor.execute("""
                SELECT count(DISTINCT child.inhrelid),
                       (SELECT count(*) FROM (SELECT DISTINCT watch_date
                                              FROM public_marts.export_watch_logs) AS dates)
                FROM pg_partitioned_table AS parent
                LEFT JOIN pg_inherits AS child ON child.inhparent = parent.partrelid
                WHERE parent.partrelid = 'public_marts.export_watch_logs'::regclass""")
            found = cursor.fetchone()
            if found is None or found[0] != found[1]:
                raise WarehouseError(
                    "public_marts.export_watch_logs is not partitioned one partition per watch "
                    f"date (partitions, dates: {found})")
            cursor.copy_expert(
                'COPY (SELECT * FROM "public_marts"."export_watch_logs") TO STDOUT '
                "WITH (FORMAT csv, HEADER true)", out)
        connection.close()
        write_partitioned(f"read_csv('{csv_path}', header = true, sample_size = -1)", export_dir)
        csv_path.unlink()
        return export_dir


class Spark:
    """dbt-spark in session mode (PySpark on local[*]): the inputs are landed as one Parquet
    file that an on-run-start hook exposes as an external table; tables are Parquet folders
    under the Spark warehouse directory, which is where the marts are read back from."""

    name = "spark"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.warehouse = workdir / "spark-warehouse"
        self.landing = workdir / "landing" / "watch_logs.parquet"

    def __enter__(self) -> "Spark":
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise WarehouseError(
                "java not found: cargo xtask setup installs openjdk-17-jre-headless")
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def env(self, build_dir: Path) -> dict[str, str]:
        # Each build folder has its own metastore (Derby, in the working directory), so it gets
        # its own warehouse directory too: a table folder without its catalogue entry would
        # make Spark refuse to create the table again.
        self.warehouse = build_dir / "spark-warehouse"
        return {"COURSEPULSE_SPARK_WAREHOUSE": str(self.warehouse)}

    def land(self, files: list[Path]) -> dict[str, Any]:
        self.landing.parent.mkdir(parents=True, exist_ok=True)
        local = utc_connection()
        query = naive_timestamps(local, landing_query(files))
        local.execute(f"COPY ({query}) TO '{self.landing}' (FORMAT parquet)")
        local.close()
        return {"landing_path": str(self.landing)}

    def _table(self, name: str) -> str:
        folders = glob.glob(str(self.warehouse / "*_marts.db" / name))
        if not folders:
            raise WarehouseError(f"Spark wrote no table {name} under {self.warehouse}")
        return folders[0]

    def read_marts(self) -> dict[str, list[dict[str, Any]]]:
        connection = utc_connection()
        marts = {}
        for mart in MARTS:
            folder = self._table(mart)
            marts[mart] = rows_of(
                connection,
                f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true)")
        connection.close()
        return marts

    def export(self, export_dir: Path) -> Path:
        return Path(self._table("export_watch_logs"))


ADAPTERS = {"duckdb": DuckDb, "postgres": Postgres, "spark": Spark}


def postgres_type(duckdb_type: str) -> str:
    kind = duckdb_type.upper()
    if kind in ("BIGINT", "UBIGINT", "HUGEINT"):
        return "bigint"
    if kind in ("INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT"):
        return "integer"
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        return "double precision"
    if kind.startswith("TIMESTAMP"):
        return "timestamp"
    if kind == "DATE":
        return "date"
    if kind == "BOOLEAN":
        return "boolean"
    return "text"


def plain_row(row: tuple) -> tuple:
    """Postgres numerics (Decimal) as floats, like the other adapters' doubles."""
    from decimal import Decimal

    return tuple(float(value) if isinstance(value, Decimal) else value for value in row)


def write_partitioned(relation: str, export_dir: Path) -> None:
    """Writes `relation` as hive-partitioned Parquet by watch_date, as dbt-duckdb does."""
    if export_dir.exists():
        shutil.rmtree(export_dir)
    connection = utc_connection()
    connection.execute(
        f"COPY (SELECT * FROM {relation}) TO '{export_dir}' "
        "(FORMAT parquet, PARTITION_BY (watch_date))")
    connection.close()


def run(command: list[str], what: str, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise WarehouseError(f"{what} failed ({' '.join(command[:3])}...): {output[-3000:]}")
    return completed


def wait_seconds(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"


def csv_as_parquet(source: Path, target: Path) -> None:
    """Writes the CSV file `source` as Parquet, each column typed as the engine types CSV
    columns: BIGINT when every non-empty value is an integer, DOUBLE when every one is a plain
    number (not NaN or inf), else text; the time columns as UTC timestamps (text that is not a
    time is NULL, as the engine reads it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = utc_connection()
    relation = (f"read_csv('{sql_text(source)}', all_varchar = true, header = true, "
                "sample_size = -1)")
    names = [row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    selected = []
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        integers, numbers = connection.execute(f"""
            SELECT coalesce(bool_and(regexp_full_match({quoted}, '[+-]?[0-9]+')
                                     AND try_cast({quoted} AS BIGINT) IS NOT NULL), false),
                   coalesce(bool_and(regexp_full_match({quoted}, '[0-9.eE+-]+')
                                     AND isfinite(try_cast({quoted} AS DOUBLE))), false)
            FROM {relation} WHERE {quoted} IS NOT NULL""").fetchone()
        if name in ("watched_at", "last_updated_at"):
            selected.append(f"CAST(try_cast({quoted} AS TIMESTAMPTZ) AS TIMESTAMP) AS {quoted}")
        elif integers:
            selected.append(f"CAST({quoted} AS BIGINT) AS {quoted}")
        elif numbers:
            selected.append(f"CAST({quoted} AS DOUBLE) AS {quoted}")
        else:
            selected.append(quoted)
    connection.execute(f"COPY (SELECT {', '.join(selected)} FROM {relation}) "
                       f"TO '{sql_text(target)}' (FORMAT parquet)")
    connection.close()


def sql_text(path: Path) -> str:
    return str(path).replace("'", "''")
