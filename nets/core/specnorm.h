/* Spectral normalisation (Miyato et al. 2018) of a weight matrix W [rows x cols]
 * by one step of power iteration per forward pass.  u [rows] persists between
 * calls; v [cols] is scratch that backward needs. */
#ifndef NETS_SPECNORM_H
#define NETS_SPECNORM_H

/* w_sn <- W / sigma; returns sigma.  With update == 0, u is not changed (inference). */
float nets_specnorm_forward(const float *w, int rows, int cols, float *u, float *v, int update,
                            float *w_sn);
/* Given G = dL/dW_sn, dW += (G - <G, W_sn> u v^T) / sigma  (u, v treated as constants). */
void nets_specnorm_backward(const float *w_sn, const float *g, int rows, int cols, const float *u,
                            const float *v, float sigma, float *dw);

#endif
