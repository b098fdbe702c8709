"""The sandbox for what designers write (scripts, conditions, timer expressions, DMN cells): RestrictedPython with
the host functions (`scripting`), huge operations refused before they run (`limits`), and a time and memory limit
that a script cannot catch (`watchdog`)."""
