"""The single care and support plan: versions, stages, reviews, the five criteria, counting and FHIR export."""
