"""Reweighting models: event weights as functions of physics parameters.

`fipfit.reweighting.zlineshape` reweights Drell-Yan events to other values of
m_Z and sin^2 theta_eff. `fipfit.reweighting.kinematics` contains the
lepton-pair kinematics that it and the detector model share.
"""
