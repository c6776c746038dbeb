"""The PORTOS face: tickets with NData queries, NWS4-signed requests, problem details."""
