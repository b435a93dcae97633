from services.issuance.models import Base
from tradecert.migrations import run_env

run_env(Base.metadata)
