package driver_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
)

// countingDriver is a driver built from another one: it counts the write
// transactions that commit. A driver of a new database implements every
// method itself instead, as memstore and sqlite do; either way, the engine
// makes it a grouping.Store.
type countingDriver struct {
	driver.Driver
	commits atomic.Int64
}

func (d *countingDriver) Write(ctx context.Context, fn func(driver.Tx) error) error {
	err := d.Driver.Write(ctx, fn)
	if err == nil {
		d.commits.Add(1)
	}
	return err
}

// A store is the engine over a driver. Every rule is the engine's: the
// driver below never sees the call with the duplicate name commit.
func Example() {
	ctx := context.Background()
	d := &countingDriver{Driver: memstore.NewDriver()}
	var store grouping.Store = engine.New(d)
	defer store.Close()

	org, _ := store.UpsertOrganisation(ctx, grouping.Organisation{ID: uuid.New(), Name: "Acme"})
	_, _ = store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Support"})
	_, err := store.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "SUPPORT"})
	fmt.Println(grouping.ErrorCode(err), grouping.ErrorMessage(err))
	fmt.Println("commits:", d.commits.Load())
	// Output:
	// conflict A group named "SUPPORT" already exists in this organisation
	// commits: 2
}
