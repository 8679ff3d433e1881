"""Decision notices and appeals (DOMAIN.md sections 9 and 12; Annex D 8.3.3, Annex F 10.4.4).

Every decision outcome gets a notice in plain English (:func:`phb.governance.appeals.services.issue_notice`,
called by governance when it records an outcome); people appeal, an independent reviewer decides, and an upheld
appeal sends the decision back through the governance router. Deadlines are working days with England and Wales
bank holidays. See ``docs/appeals.md``.
"""
