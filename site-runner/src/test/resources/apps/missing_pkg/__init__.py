"""A package whose modules import in every way Python 2 allows; ImportMissesTest reads sys.modules after."""
