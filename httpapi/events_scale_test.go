package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/matryer/is"
)

// The promises TestEventStreamsAtScale holds the streams to.
const (
	scaleClients = 1000
	scaleEvents  = 50
	// maxBytesPerIdleStream bounds the memory of one idle stream, its
	// client's side included.
	maxBytesPerIdleStream = 64 << 10
	// maxDeliveryP99 bounds the 99th percentile of the delay from a
	// change's commit to its event reaching a client.
	maxDeliveryP99 = 100 * time.Millisecond
)

// TestEventStreamsAtScale opens 1,000 streams of one organisation on one
// server, measures the memory each idle stream costs (server and client
// together, so an upper bound for the server), then makes 50 changes one
// at a time and measures how long each event takes to reach every client
// after the store call that made it returned.
func TestEventStreamsAtScale(t *testing.T) {
	if raceEnabled {
		t.Skip("skipped under the race detector, which inflates the memory and delays this test measures")
	}
	if testing.Short() {
		t.Skip("skipped in short mode: opens 1,000 event streams")
	}
	is := is.New(t)
	ensureOpenFiles(t, 2*scaleClients+500)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{})
	e.withTokens()
	a := e.fx.a
	t.Cleanup(e.api.CloseStreams)
	counts, changed := httpapi.StreamWatch(e.api)
	head := len(mustEvents(t, e.store, grouping.OrganisationOf(a.org)))
	addr := e.srv.Listener.Addr().String()
	request := fmt.Sprintf("GET /organisations/%s/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\nAuthorization: Bearer %s\r\nLast-Event-ID: %d\r\n\r\n",
		a.org, addr, a.token, head)

	// Warm up the server and the store with one stream, so that what is
	// measured is what each further stream costs.
	warm := dialStream(t, addr, request)
	waitStreams(t, counts, changed, "the first stream joins", func(c httpapi.StreamCounts) bool { return c.Joined == 1 })

	// received[i][k] is when client i read the id of the k-th event.
	received := make([][scaleEvents]int64, scaleClients)
	var arrived [scaleEvents]atomic.Int32
	all := make(chan int, scaleEvents) // k, once every client has event k
	var readers sync.WaitGroup
	conns := make([]net.Conn, scaleClients)
	before := heapAndStacks()
	for i := range conns {
		conns[i] = dialStream(t, addr, request)
		readers.Add(1)
		go func() {
			defer readers.Done()
			readScaleStream(conns[i], int64(head), &received[i], &arrived, all)
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		warm.Close()
		readers.Wait()
	}()
	waitStreams(t, counts, changed, "every stream joins", func(c httpapi.StreamCounts) bool { return c.Joined == scaleClients+1 })
	after := heapAndStacks()
	perStream := (after.total() - before.total()) / scaleClients
	t.Logf("%d idle streams: heap in use +%d KiB, stacks +%d KiB: %.1f KiB per stream, client side included",
		scaleClients, (after.heap-before.heap)>>10, (after.stack-before.stack)>>10, float64(perStream)/1024)
	is.True(perStream <= maxBytesPerIdleStream) // an idle stream costs at most 64 KiB

	// One change at a time: each event must reach every client before the
	// next change is made.
	committed := make([]int64, scaleEvents)
	for k := range scaleEvents {
		_, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: fmt.Sprintf("Scale %d", k)})
		committed[k] = time.Now().UnixNano()
		is.NoErr(err) // a change
		select {
		case got := <-all:
			is.Equal(got, k) // events arrive in order
		case <-time.After(30 * time.Second):
			t.Fatalf("event %d reached %d of %d clients within 30s", k, arrived[k].Load(), scaleClients)
		}
	}
	delays := make([]time.Duration, 0, scaleClients*scaleEvents)
	for i := range received {
		for k, at := range received[i] {
			delays = append(delays, time.Duration(max(0, at-committed[k])))
		}
	}
	slices.Sort(delays)
	p50, p99 := delays[len(delays)/2], delays[len(delays)*99/100]
	t.Logf("commit to delivery over %d events × %d clients: p50 %v, p99 %v, max %v",
		scaleEvents, scaleClients, p50, p99, delays[len(delays)-1])
	is.True(p99 <= maxDeliveryP99) // 99% of deliveries within 100ms of the commit
}

// mustEvents returns the tenant's events.
func mustEvents(t *testing.T, store grouping.Store, tenant grouping.Tenant) []grouping.Event {
	t.Helper()
	events, _ := storedEvents(t, store, tenant)
	return events
}

// dialStream opens a connection and sends a stream request on it: a client
// as lean as a stream's client can be, so that the memory measured is the
// server's as much as possible.
func dialStream(t *testing.T, addr, request string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if _, err := c.Write([]byte(request)); err != nil {
		t.Fatalf("send request: %v", err)
	}
	return c
}

// readScaleStream reads a stream's response until the connection is
// closed, noting when the id of each event after head arrives.
func readScaleStream(c net.Conn, head int64, received *[scaleEvents]int64, arrived *[scaleEvents]atomic.Int32, all chan<- int) {
	br := bufio.NewReaderSize(c, 2048) // an event in one read
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusOK {
		return
	}
	body := bufio.NewReaderSize(res.Body, 256)
	for {
		line, err := body.ReadSlice('\n')
		for err == bufio.ErrBufferFull { // the rest of a long data line
			_, err = body.ReadSlice('\n')
		}
		if err != nil {
			return
		}
		id, ok := bytes.CutPrefix(line, []byte("id: "))
		if !ok {
			continue
		}
		var seq int64
		for _, d := range bytes.TrimSpace(id) {
			seq = seq*10 + int64(d-'0')
		}
		k := int(seq - head - 1)
		if k < 0 || k >= scaleEvents {
			continue
		}
		received[k] = time.Now().UnixNano()
		if arrived[k].Add(1) == scaleClients {
			all <- k
		}
	}
}

// memory is what the Go runtime holds for the heap and goroutine stacks.
type memory struct{ heap, stack uint64 }

func (m memory) total() int64 { return int64(m.heap + m.stack) }

// heapAndStacks collects garbage and returns the memory in use.
func heapAndStacks() memory {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{heap: ms.HeapInuse, stack: ms.StackInuse}
}
