"""`fake-redcap snapshot`: a real REDCap project pulled through its API into a fixture folder that
`fake-redcap serve` loads as is (pull.py reads, synthetic.py makes up the values that must not leave the
server, write.py writes the folder atomically, cli.py is the command)."""
