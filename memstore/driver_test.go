package memstore

import (
	"testing"

	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/drivertest"
)

func TestDriver(t *testing.T) {
	drivertest.Run(t, func(t *testing.T) driver.Driver { return newDriver() })
}
