"""Implicit relative imports (Python 2): each name is tried as missing_pkg.NAME first."""
import os
import json.decoder
import sibling
from java.lang import System

JAVA_VERSION = System.getProperty("java.version")
SEP = os.sep
DECODER = json.decoder.JSONDecoder
SIBLING = sibling.NAME
