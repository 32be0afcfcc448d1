package postgres

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// knownOrganisations remembers, for the organisations the store wrote
// last, the name and creation time their rows had when its transaction
// committed, so that the next upsert of one of them need not read the row
// before the engine decides on its events: the rename that checks the row
// is as known (sqlRenameKnownOrganisation) then goes to the server with
// the events and COMMIT, and the upsert takes one round trip instead of
// two. What another store changed since makes that statement fail, the
// driver forgets the organisation and runs the transaction again on what
// it reads (see pgDriver.Write), so that knowing too little or something
// out of date costs time, never correctness.
//
// It holds at most maxKnownOrganisations; past that, it forgets one at
// random for each one it learns.
type knownOrganisations struct {
	mu sync.Mutex
	m  map[uuid.UUID]knownOrganisation
}

// maxKnownOrganisations bounds knownOrganisations: about 100 bytes each
// with a short name.
const maxKnownOrganisations = 4096

// knownOrganisation is an organisation's row as a committed transaction of
// the store left it.
type knownOrganisation struct {
	id        uuid.UUID
	name      string
	createdAt time.Time
}

func (k *knownOrganisations) get(id uuid.UUID) (knownOrganisation, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	o, ok := k.m[id]
	return o, ok
}

func (k *knownOrganisations) put(o knownOrganisation) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = make(map[uuid.UUID]knownOrganisation)
	}
	if _, ok := k.m[o.id]; !ok && len(k.m) >= maxKnownOrganisations {
		for id := range k.m { // map order: one at random
			delete(k.m, id)
			break
		}
	}
	k.m[o.id] = o
}

func (k *knownOrganisations) forget(ids ...uuid.UUID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, id := range ids {
		delete(k.m, id)
	}
}
