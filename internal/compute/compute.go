// Package compute is instances: launching them from images, with the
// launch check that a paid image's product code asks of the entitlement
// check; their simulated lifecycle on the injected clock (no machine
// boots, but states and times are real); the running intervals that
// billing charges for, recorded durably; and where instances may run.
package compute
