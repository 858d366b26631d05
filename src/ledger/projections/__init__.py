"""Read models rebuilt from the event log.  They read events; they never write them."""
