-- Learner records, one count per kind. Run it on the live database and on a restored copy and
-- compare (docs/operations.md, "Verifying a restore"). Plain SQL: psql and sqlite3 both run it.
SELECT 'users' AS records, count(*) AS total FROM accounts_user
UNION ALL SELECT 'enrolments', count(*) FROM courses_enrollment
UNION ALL SELECT 'enrolments completed', count(*) FROM courses_enrollment WHERE completed_at IS NOT NULL
UNION ALL SELECT 'lesson completions', count(*) FROM courses_lessoncompletion
UNION ALL SELECT 'module completions', count(*) FROM courses_modulecompletion
UNION ALL SELECT 'quiz attempts', count(*) FROM quizzes_attempt
UNION ALL SELECT 'quiz attempts graded', count(*) FROM quizzes_attempt WHERE state = 'graded'
UNION ALL SELECT 'quiz responses', count(*) FROM quizzes_response
UNION ALL SELECT 'skill assessments', count(*) FROM certification_skillassessment
UNION ALL SELECT 'skill assessments signed', count(*) FROM certification_skillassessment WHERE status = 'signed'
UNION ALL SELECT 'assessment items', count(*) FROM certification_assessmentitem
UNION ALL SELECT 'certificates', count(*) FROM certification_certificate
UNION ALL SELECT 'clinic memberships', count(*) FROM certification_clinicmembership
UNION ALL SELECT 'programme assignments', count(*) FROM certification_programmeassignment
ORDER BY 1;
