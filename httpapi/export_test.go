package httpapi

// StreamCounts is a snapshot of the event streams of an API.
type StreamCounts struct {
	// Joined is how many streams have joined a feed, Feeds how many feeds
	// run, and Active how many streams are being served.
	Joined, Feeds, Active int
}

// StreamWatch lets a test follow the event streams of a: counts returns a
// snapshot, and changed is signalled after a stream joins or leaves a feed
// and after a stream's handler is done. Call it before the API serves a
// stream.
func StreamWatch(a *API) (counts func() StreamCounts, changed <-chan struct{}) {
	ch := make(chan struct{}, 1)
	h := a.streams
	h.mu.Lock()
	h.onChange = func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	h.mu.Unlock()
	return func() StreamCounts {
		h.mu.Lock()
		defer h.mu.Unlock()
		c := StreamCounts{Feeds: len(h.feeds), Active: len(h.active)}
		for _, f := range h.feeds {
			f.mu.Lock()
			c.Joined += len(f.subs)
			f.mu.Unlock()
		}
		return c
	}, ch
}
