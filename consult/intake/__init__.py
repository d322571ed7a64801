"""Intake on a resident's behalf (代办): staff or a grid worker enter a topic or a service
request for a resident who phoned, came to the office or was met at home. Routes in
``consult.intake.routes`` (kept out of this package's ``__init__``, which the tables import)."""
