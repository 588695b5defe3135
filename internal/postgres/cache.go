package postgres

import (
	"context"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// CacheChannel is where the database announces, from triggers at commit
// (migrations 20261201000350 and 351), the changes that make a server's
// cached companies, sessions or matching indexes stale: "tenants" (any
// company changed), "catalogue" (missions, associations or campaigns), "session:"
// and the hex of a token hash (a session ended), "person:" and an id (a
// member or account changed what a session shows or allows).
const CacheChannel = "vendredi_cache"

// Lifetimes of cached entries. The notifications drop an entry at once on
// every server; the lifetimes only bound what a lost notification could
// leave behind, and sessionTTL is also how often a busy session is
// extended (as Session did before it was cached: once a minute).
const (
	tenantTTL  = 5 * time.Minute
	sessionTTL = time.Minute
)

// caches hold what every request reads before its own work: the company
// of its host and the person of its session. They serve only while the
// server listens on CacheChannel (ListenForCaches): without it, as in
// commands and tests that do not listen, every lookup reads the database.
type caches struct {
	live     atomic.Bool
	tenants  cache[*tenants.Tenant]
	sessions cache[cachedSession]
	// catalogue is raised whenever missions, their skills, associations
	// or campaigns change: what is built from them (a campaign's matching
	// index) is good for one value only.
	catalogue atomic.Uint64
}

type cachedSession struct {
	realm   string // the tenant's id, or "" for the platform's accounts
	person  *identity.Person
	expires time.Time // of the session
}

// cache is a map whose entries expire, with a generation that a lookup
// reads before going to the database and checks before storing what it
// read, so that an invalidation that happened meanwhile is never undone
// by a slower reader.
type cache[V any] struct {
	mu  sync.RWMutex
	gen uint64
	m   map[string]entry[V]
}

type entry[V any] struct {
	v     V
	until time.Time
}

func (c *cache[V]) get(key string, now time.Time) (v V, ok bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return v, false
	}
	return e.v, true
}

func (c *cache[V]) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put stores v unless the cache was invalidated since gen was read.
func (c *cache[V]) put(gen uint64, key string, v V, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil {
		c.m = map[string]entry[V]{}
	}
	c.m[key] = entry[V]{v, until}
}

func (c *cache[V]) drop(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.gen++
	c.mu.Unlock()
}

// dropIf drops every entry for which fn says so.
func (c *cache[V]) dropIf(fn func(V) bool) {
	c.mu.Lock()
	for k, e := range c.m {
		if fn(e.v) {
			delete(c.m, k)
		}
	}
	c.gen++
	c.mu.Unlock()
}

func (c *cache[V]) clear() {
	c.mu.Lock()
	c.m = nil
	c.gen++
	c.mu.Unlock()
}

func (cs *caches) clear() {
	cs.tenants.clear()
	cs.sessions.clear()
	cs.catalogue.Add(1)
}

// setLive turns the caches on or off; either way they start empty.
func (cs *caches) setLive(live bool) {
	cs.live.Store(live)
	cs.clear()
}

// onNotify applies one notification of CacheChannel.
func (cs *caches) onNotify(payload string) {
	switch {
	case payload == "":
		cs.clear() // (re)listening: anything may have been missed
	case payload == "tenants":
		cs.tenants.clear()
	case payload == "catalogue":
		cs.catalogue.Add(1)
	case strings.HasPrefix(payload, "session:"):
		cs.sessions.drop(strings.TrimPrefix(payload, "session:"))
	case strings.HasPrefix(payload, "person:"):
		id, err := uuid.Parse(strings.TrimPrefix(payload, "person:"))
		if err != nil {
			cs.sessions.clear()
			return
		}
		cs.forgetPerson(id)
	default:
		cs.clear()
	}
}

// CatalogueVersion is the version of the catalogue (missions, their skills,
// associations, campaigns) this server knows, and whether it knows it: it
// changes on every server as soon as a change is committed, while the
// server listens (ListenForCaches); known is false otherwise.
func (db *DB) CatalogueVersion() (version uint64, known bool) {
	// The version first: a notification between the two reads makes the
	// pair stale, never wrongly current.
	version = db.cache.catalogue.Load()
	return version, db.cache.live.Load()
}

// CatalogueChanged raises the version at once on this server, for a change
// it just committed (the notification follows on every server).
func (db *DB) CatalogueChanged() { db.cache.catalogue.Add(1) }

// forgetPerson drops the cached sessions of a person.
func (cs *caches) forgetPerson(id uuid.UUID) {
	cs.sessions.dropIf(func(s cachedSession) bool { return s.person.ID == id })
}

// forgetPersonAfter drops a person's cached sessions once a change to
// them has committed (err == nil): the notification does it on every
// server, this server included, but it arrives a moment later, and the
// request that made the change must not be followed by one that still
// sees the person as they were (an erased or disabled person's session).
// Dropping raises the generation, so that a read begun before the commit
// does not store what it read.
func (cs *caches) forgetPersonAfter(id uuid.UUID, err error) {
	if err == nil {
		cs.forgetPerson(id)
	}
}

// ListenForCaches keeps this server's caches of companies and sessions
// true to the database until ctx ends: it listens on CacheChannel through
// url (a direct connection: DATABASE_LISTEN_URL), and the caches serve
// only while it listens. A sign-out, a disabled member or a suspended
// company made through any server is seen by every server as soon as the
// notification arrives, well within a second.
func (db *DB) ListenForCaches(ctx context.Context, url string) {
	err := ListenState(ctx, url, CacheChannel, db.cache.onNotify, db.cache.setLive)
	if err != nil && ctx.Err() == nil {
		slog.Error("cannot listen for cache invalidations: companies and sessions are read on every request", "err", err)
	}
}

// cachedTenant looks a company up by key, or loads and caches it.
func (db *DB) cachedTenant(key string, load func() (*tenants.Tenant, error)) (*tenants.Tenant, error) {
	cs := db.cache
	if !cs.live.Load() {
		return load()
	}
	now := time.Now()
	if t, ok := cs.tenants.get(key, now); ok {
		cp := *t // callers may change their copy
		return &cp, nil
	}
	gen := cs.tenants.generation()
	t, err := load()
	if err != nil {
		return nil, err // unknown hosts are not cached: anyone can make up many
	}
	cp := *t
	cs.tenants.put(gen, key, &cp, now.Add(tenantTTL))
	return t, nil
}

// cachedSession returns the person of a live session of realm, or loads
// (and extends) it.
func (db *DB) cachedSession(realm string, hash []byte, load func() (*identity.Person, time.Time, error)) (*identity.Person, error) {
	cs := db.cache
	if !cs.live.Load() {
		p, _, err := load()
		return p, err
	}
	key := hex.EncodeToString(hash)
	now := time.Now()
	if s, ok := cs.sessions.get(key, now); ok && s.realm == realm && now.Before(s.expires) {
		cp := *s.person
		cp.Loaded = false
		return &cp, nil
	}
	gen := cs.sessions.generation()
	p, expires, err := load()
	if err != nil {
		return nil, err
	}
	cp := *p
	until := now.Add(sessionTTL)
	if expires.Before(until) {
		until = expires
	}
	cs.sessions.put(gen, key, cachedSession{realm: realm, person: &cp, expires: expires}, until)
	return p, nil
}
