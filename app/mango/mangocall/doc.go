// Package mangocall turns what Mango sends into calls to store, one
// conversion per way a call arrives: a calltracking webhook (Webhook), a
// VPBX events/summary (Summary) and a row of the VPBX call statistics
// (StatsRow, for the reconcile and backfills). They write the same tolerant
// parameters, so that one mapping and one set of import rules read every
// source alike; Mango's recording rule (mango.NoRecording) decides which
// calls without a recording are skipped.
package mangocall
