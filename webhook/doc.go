// Package webhook delivers a tenant's change events to HTTP endpoints,
// signed per the Standard Webhooks specification, at least once and in
// order per endpoint, from a durable position; and verifies such requests
// for receivers.
//
// # Sending
//
// A [Dispatcher] reads the events of a [grouping.EventLog] (every store of
// this module is one) and POSTs each event of an [Endpoint]'s tenant to the
// endpoint's URL. The body is the event's JSON ([grouping.Event.MarshalJSON]):
// {"id","sequence","type","organisation_id","created_at","data"} for an
// organisation, {"id","sequence","type","workspaceId","createdAt","data"}
// for a workspace. The headers are:
//
//	Content-Type: application/json
//	webhook-id: <the event's ID, the same on every attempt>
//	webhook-timestamp: <unix seconds of this attempt>
//	webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"> …
//
// with one signature per secret of the endpoint, separated by spaces, so
// that a secret can be rotated without a failed delivery.
//
// Each endpoint has its own goroutine and its own position: the name of its
// [grouping.EventConsumer] is the endpoint's ID. An endpoint without a
// consumer gets one, active, at position 0, and so receives every event the
// log still holds ([WithStartAtHead] starts it after the newest instead).
// The goroutine waits for the events after its position and sends them one
// at a time, in sequence order:
//
//   - A 2xx answer delivers the event: its sequence is saved as the
//     position, and the next event is sent.
//   - 410 Gone disables the endpoint: its consumer is saved inactive at the
//     position of the last event delivered, the reason is logged, and the
//     goroutine ends.
//   - Any other answer (3xx included: redirects are not followed), a
//     timeout or a transport error fails the attempt. The same event is
//     sent again after a random wait with exponential backoff
//     ([WithBackoff]), until it is delivered or until the retry horizon
//     ([WithRetryHorizon], 24 hours by default) has passed since its first
//     failed attempt; then the endpoint is disabled as for 410.
//
// No event is ever skipped: an endpoint receives its tenant's events in
// order, each at least once. A receiver may get an event twice, after a
// failure it could not report (an answer lost, a timeout after it handled
// the event) or a restart of the sender between the delivery and the
// saving of the position; it drops the webhook-id values it has handled.
// The only events an endpoint misses are those pruned before it was
// created, or while it was disabled; the Dispatcher logs such a gap.
//
// A disabled endpoint stays disabled when a Dispatcher starts, which logs
// it, unless the Dispatcher is made [WithReenable]. [WithOnDisable] lets
// the program tell the endpoint's owner by other means.
//
// The retry horizon is measured by the running Dispatcher: a restart starts
// it again for the event being retried. Run one Dispatcher per endpoint at
// a time (one process, for stores shared by several): two would each
// deliver every event, interleaved.
//
// # Retention
//
// [grouping.EventLog.PruneEvents] never removes an event that an active
// consumer has not handled, so an endpoint that is down holds its events
// back until it is delivered to or disabled. A disabled endpoint's consumer
// is inactive and holds nothing back. The consumer of an endpoint removed
// from the configuration stays active, holding back pruning of its
// tenant's events from its position on, until it is deleted: call
// [Forget] (grouping.EventLog.DeleteEventConsumer) for it.
//
// # Receiving
//
// A receiver checks each request with a [Verifier] (or [Verify]) over the
// raw body before it decodes it: the timestamp must be within a tolerance
// (5 minutes by default) of its clock, and a v1 signature must match under
// one of its secrets. Secrets are "whsec_" and the standard base64 of a
// random key of 24 to 64 bytes; [NewSecret] makes one.
package webhook
