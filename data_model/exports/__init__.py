"""Files the app hands out: the Excel school photo and the PDF conversation sheet."""
