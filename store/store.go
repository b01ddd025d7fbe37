// Package store keeps mangotqm's durable state in one SQLite file: every call
// that reached the receiver (the delivery outbox), every delivery attempt,
// settings and incidents. It never holds secrets.
//
// Layout: one writer connection (WAL, synchronous=FULL, _txlock=immediate) and
// a read-only pool. Webhook intake goes through a group committer so that many
// concurrent webhooks share one fsync while each is still answered only after
// its own row is on disk.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"mangotqm/app/clock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "mangotqm.db"

// Options tune Open. The zero value is the production setup.
type Options struct {
	// NoGroupCommit makes every intake its own transaction (the naive
	// baseline measured by the benchmarks).
	NoGroupCommit bool
	// Clock tells the time and waits (default clock.Real; tests pass a
	// clocktest.Manual).
	Clock clock.Clock
	// MustExist refuses to create a database (read-only commands).
	MustExist bool
	// OnFault is told when writes start failing (disk full, I/O error,
	// the file deleted or replaced: err names it) and, with nil, when they
	// work again. The bridge raises and clears an incident with it. It is
	// called from the writing goroutine: it must not block or write to the
	// store.
	OnFault func(err error)
}

// Store is the database handle. It is safe for concurrent use.
type Store struct {
	path  string
	w     *sql.DB // single writer connection
	r     *sql.DB // read-only pool
	clock clock.Clock

	intake    chan intakeReq
	noGroup   bool
	health    *health
	lock      *os.File
	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
}

// Open opens (creating if needed) the database in dir, applies migrations and
// starts the intake committer. The file is created with mode 0600.
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	lock, err := takeLock(dir, false)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("the database in %s is being restored; try again when that is done", dir)
	}
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, dir, opt)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

func open(ctx context.Context, dir string, opt Options) (*Store, error) {
	clk := clock.Or(opt.Clock)
	now := clk.Now
	path := filepath.Join(dir, FileName)
	created, err := checkExisting(dir, path, opt.MustExist)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create database file: %w", err)
	}
	_ = f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("restrict database file: %w", err)
	}

	register()
	w, err := sql.Open(driverName, dsn(path, "rwc", "FULL"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		if isDamage(err) {
			return nil, damaged(dir, path, err)
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !created {
		if err := quickCheck(ctx, w, dir, path); err != nil {
			_ = w.Close()
			return nil, err
		}
	}
	if err := migrate(ctx, w, func(ctx context.Context) error {
		if created {
			return nil
		}
		_, err := backupTo(ctx, w, BackupDir(dir), now(), "before-upgrade")
		return err
	}); err != nil {
		_ = w.Close()
		if isDamage(err) {
			return nil, damaged(dir, path, err)
		}
		return nil, err
	}
	if err := writeMarker(dir, now()); err != nil {
		_ = w.Close()
		return nil, err
	}
	h, err := newHealth(path, opt.OnFault)
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	r, err := sql.Open(driverName, dsn(path, "ro", "NORMAL"))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open read pool: %w", err)
	}
	r.SetMaxOpenConns(4)

	s := &Store{
		path:    path,
		w:       w,
		r:       r,
		clock:   clk,
		intake:  make(chan intakeReq, 1024),
		noGroup: opt.NoGroupCommit,
		health:  h,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go s.commitLoop()
	return s, nil
}

// driverName is go-sqlite3 with a Unicode-aware ulower() SQL function
// (SQLite's lower() folds ASCII only; callers and operators are Cyrillic).
const driverName = "sqlite3_mangotqm"

var registerDriver sync.Once

func register() {
	registerDriver.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			return c.RegisterFunc("ulower", strings.ToLower, true)
		}})
	})
}

func dsn(path, mode, sync string) string {
	q := url.Values{}
	q.Set("mode", mode)
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", sync)
	return "file:" + path + "?" + q.Encode()
}

// migrate applies pending migrations; before is called first when there
// are any (it backs the database up).
func migrate(ctx context.Context, db *sql.DB, before func(context.Context) error) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if !pending {
		return nil
	}
	if err := before(ctx); err != nil {
		return fmt.Errorf("back up before upgrading the database: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Path is the database file path.
func (s *Store) Path() string { return s.path }

// Close stops the intake committer (pending intakes are committed first) and
// closes the database.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		err = errors.Join(s.r.Close(), s.w.Close())
		if s.lock != nil {
			_ = s.lock.Close() // releases the shared lock
		}
	})
	return err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its first line.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	if err := s.w.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	return res, nil
}

func (s *Store) ms(t time.Time) int64 { return t.UnixMilli() }

func (s *Store) nowMS() int64 { return s.clock.Now().UnixMilli() }

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64)
}

func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}
