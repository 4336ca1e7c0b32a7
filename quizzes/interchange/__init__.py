"""Question bank interchange with Moodle: GIFT and Moodle XML, in and out.

- records: the format-neutral shape both parsers produce and both writers read
- gift, moodle_xml: parse a file into records, and write records as a file
- importing / exporting: records to and from the bank (quizzes.models), in one transaction
"""
