// Package e2e holds end-to-end tests of the real mangotqm binary: it is
// built once, run as "mangotqm serve" against a fake TQM that validates
// requests like the real one, and fed Mango-style webhooks over loopback.
package e2e
