package engine

// HubWaiting returns how many tenants s's hub keeps wake-up channels for.
func HubWaiting(s *Store) int64 { return s.hub.waiting.Load() }
