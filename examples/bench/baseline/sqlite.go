package baseline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	pb "github.com/phonebalance/phonebalance"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// schema is mod_callcenter's agents and tiers tables, cut down to the
// columns our rules read and renamed where they mean something else:
// status is our Active/Away (mod_callcenter: Available, On Break, ...),
// state is still Waiting / Receiving / In a queue call, and
// last_assignment (mod_callcenter: last_bridge_end) is the last
// conversation assignment of rule AS3. Per-call exclusions (rule AS7),
// which mod_callcenter does not have, get a table of their own.
//
// agents_idle serves the ORDER BY of [SQLite.Pick].
const schema = `
CREATE TABLE agents (
	name            TEXT PRIMARY KEY,
	channel         TEXT NOT NULL,
	status          TEXT NOT NULL,
	client_open     INTEGER NOT NULL,
	backgrounded    INTEGER NOT NULL,
	state           TEXT NOT NULL,
	calls           INTEGER NOT NULL,
	last_assignment INTEGER NOT NULL,
	no_answer_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX agents_idle ON agents (last_assignment, name);
CREATE TABLE tiers (
	queue    TEXT NOT NULL,
	agent    TEXT NOT NULL,
	level    INTEGER NOT NULL DEFAULT 1,
	position INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (queue, agent)
) WITHOUT ROWID;
CREATE TABLE exclusions (
	call  TEXT NOT NULL,
	agent TEXT NOT NULL,
	until INTEGER NOT NULL,
	PRIMARY KEY (call, agent)
) WITHOUT ROWID;
`

// pickWhere is the decision's filter: an eligible agent of the queue not
// excluded from the call (rule AS2, AS7).
const pickWhere = `
WHERE a.channel IN ('All', 'Phone') AND a.status = 'Active'
	AND a.client_open = 1 AND a.backgrounded = 0
	AND a.state = 'Waiting' AND a.calls < 1
	AND NOT EXISTS (SELECT 1 FROM exclusions x
		WHERE x.call = ?2 AND x.agent = a.name AND x.until > ?3)
ORDER BY a.last_assignment, a.name
LIMIT 1`

// pickQuery is the decision as fast as SQLite makes it: INDEXED BY and
// CROSS JOIN keep agents as the outer loop read through agents_idle, so
// SQLite walks agents longest idle first and stops at the first one who
// qualifies, with no sort. Left to itself, the planner scans agents and
// sorts.
const pickQuery = `SELECT a.name FROM agents a INDEXED BY agents_idle CROSS JOIN tiers t ON t.queue = ?1 AND t.agent = a.name` + pickWhere

// pickSortedQuery is the same decision in mod_callcenter's shape: the
// planner's own choice for it reads the queue's tiers, looks each agent
// up, and sorts those who qualify (ORDER BY level, position, ... in
// mod_callcenter; last assignment and ID here).
const pickSortedQuery = `SELECT a.name FROM tiers t JOIN agents a ON t.queue = ?1 AND t.agent = a.name` + pickWhere

const upsertAgent = `
INSERT INTO agents (name, channel, status, client_open, backgrounded, state, calls, last_assignment)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (name) DO UPDATE SET channel = ?2, status = ?3, client_open = ?4,
	backgrounded = ?5, state = ?6, calls = ?7, last_assignment = ?8`

// SQLite keeps agents, tiers and exclusions in an in-memory SQLite
// database (modernc.org/sqlite, pure Go) on one connection, with every
// statement prepared once. It is not safe for concurrent use.
type SQLite struct {
	db      *sql.DB
	conn    *sql.Conn
	pick    *sql.Stmt
	sorted  *sql.Stmt
	upsert  *sql.Stmt
	tier    *sql.Stmt
	exclude *sql.Stmt
	tx      *sql.Tx
}

// OpenSQLite creates the schema in a new in-memory database.
func OpenSQLite() (*SQLite, error) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	s := &SQLite{db: db}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *SQLite) init() error {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	s.conn = conn
	if _, err := conn.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("baseline: schema: %w", err)
	}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&s.pick, pickQuery},
		{&s.sorted, pickSortedQuery},
		{&s.upsert, upsertAgent},
		{&s.tier, `INSERT OR IGNORE INTO tiers (queue, agent) VALUES (?1, ?2)`},
		{&s.exclude, `INSERT OR REPLACE INTO exclusions (call, agent, until) VALUES (?1, ?2, ?3)`},
	} {
		st, err := conn.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("baseline: prepare: %w", err)
		}
		*p.st = st
	}
	return nil
}

// Close releases the database.
func (s *SQLite) Close() error {
	return errors.Join(s.conn.Close(), s.db.Close())
}

// Begin starts a transaction that Set, AddTier and Exclude join until
// [SQLite.Commit]; it makes bulk loading fast.
func (s *SQLite) Begin() error {
	tx, err := s.conn.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	s.tx = tx
	return nil
}

// Commit ends the transaction started by [SQLite.Begin].
func (s *SQLite) Commit() error {
	tx := s.tx
	s.tx = nil
	return tx.Commit()
}

func (s *SQLite) stmt(st *sql.Stmt) *sql.Stmt {
	if s.tx != nil {
		return s.tx.Stmt(st)
	}
	return st
}

// Set adds an agent or replaces their state.
func (s *SQLite) Set(t Teammate) error {
	state := "Waiting"
	switch {
	case t.Ringing:
		state = "Receiving"
	case t.Calls > 0:
		state = "In a queue call"
	}
	_, err := s.stmt(s.upsert).Exec(string(t.ID), t.Channel.String(), t.Status.String(),
		t.ClientOpen, t.Backgrounded, state, t.Calls, t.Last)
	return err
}

// AddTier makes an agent a member of a queue.
func (s *SQLite) AddTier(queue pb.TeamID, agent pb.TeammateID) error {
	_, err := s.stmt(s.tier).Exec(string(queue), string(agent))
	return err
}

// Exclude keeps an agent from being offered a call until the given Unix
// nanosecond time (rule AS7).
func (s *SQLite) Exclude(call pb.CallID, agent pb.TeammateID, until int64) error {
	_, err := s.stmt(s.exclude).Exec(string(call), string(agent), until)
	return err
}

// Pick runs the decision query for a call queued for queue at now (Unix
// nanoseconds), walking agents_idle: the agent to ring, or false if nobody
// qualifies.
func (s *SQLite) Pick(queue pb.TeamID, call pb.CallID, now int64) (pb.TeammateID, bool, error) {
	return pickWith(s.pick, queue, call, now)
}

// PickSorted is [SQLite.Pick] with mod_callcenter's query shape: every
// member of the queue is read and those who qualify are sorted.
func (s *SQLite) PickSorted(queue pb.TeamID, call pb.CallID, now int64) (pb.TeammateID, bool, error) {
	return pickWith(s.sorted, queue, call, now)
}

func pickWith(st *sql.Stmt, queue pb.TeamID, call pb.CallID, now int64) (pb.TeammateID, bool, error) {
	var name string
	err := st.QueryRow(string(queue), string(call), now).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return pb.TeammateID(name), true, nil
}

// QueryPlans returns SQLite's plans for [SQLite.Pick] and
// [SQLite.PickSorted], one step a line.
func (s *SQLite) QueryPlans() (pick, sorted string, err error) {
	if pick, err = s.plan(pickQuery); err != nil {
		return "", "", err
	}
	sorted, err = s.plan(pickSortedQuery)
	return pick, sorted, err
}

func (s *SQLite) plan(q string) (string, error) {
	rows, err := s.conn.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, "q", "c", 0)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		out += detail + "\n"
	}
	return out, rows.Err()
}

// Analyze gathers the statistics SQLite's query planner uses; run it once
// after loading.
func (s *SQLite) Analyze() error {
	_, err := s.conn.ExecContext(context.Background(), "ANALYZE")
	return err
}
